/**
 * Resolves `group + plural` (HTTP paths, recovery steps' `resource`) to a kind: the
 * kinds lifeboat knows, then the ones it learned when objects of them were stored.
 */
import { NotFoundError } from '../errors.js';
import { knownKindByPlural, type KindInfo } from '../resources/kinds.js';
import type { RedisStore } from './redis-store.js';

export class KindRegistry {
  private learned = new Map<string, KindInfo>();
  private loadedAt = 0;

  constructor(private readonly store: RedisStore) {}

  async resolve(group: string, plural: string, version?: string): Promise<KindInfo | undefined> {
    const known = knownKindByPlural(group, plural);
    if (known) return version ? { ...known, version } : known;
    let info = this.learned.get(`${group}/${plural}`);
    if (!info && Date.now() - this.loadedAt > 1000) {
      // Another process may have stored a new kind; re-read at most once a second.
      this.learned = new Map((await this.store.kinds()).map((k) => [`${k.group}/${k.plural}`, k]));
      this.loadedAt = Date.now();
      info = this.learned.get(`${group}/${plural}`);
    }
    return info && version ? { ...info, version } : info;
  }

  async require(group: string, plural: string, version?: string): Promise<KindInfo> {
    const info = await this.resolve(group, plural, version);
    if (!info) {
      throw new NotFoundError(
        `the server has no resource "${plural}" in group "${group || 'core'}"; apply an object of that kind first, or check the spelling`,
      );
    }
    return info;
  }
}
