/** The lab's HAProxy (cluster-3's entry point): rendering, start, seamless reload. */
export { HaproxyRenderError, placeholderHaproxyConfig, renderHaproxyConfig } from './render.js';
export type { HaproxyRenderTarget, RenderedHaproxy, RenderedServer } from './render.js';
export {
  checkHaproxyConfig,
  haproxyFiles,
  haproxyRenderTarget,
  haproxyServiceName,
  haproxyWorkers,
  killHaproxy,
  masterCli,
  reloadHaproxy,
  startHaproxy,
  stopHaproxy,
} from './haproxy.js';
export type { HaproxyReload } from './haproxy.js';
