import { describe, expect, it } from 'vitest';
import {
  analyzeTemplate,
  renderString,
  renderValue,
  TemplateError,
  toHandlebars,
  valuesKeysIn,
} from './template.js';

const ctx = { Values: { Cluster2IP: 'ferretdb-2.example', Port: 27017 } };

describe('templates', () => {
  it.each([
    ['{{ .Values.Cluster2IP }}', '{{ Values.Cluster2IP }}'],
    ['{{.Values.X}}', '{{Values.X}}'],
    ['{{~ .Values.X ~}}', '{{~ Values.X ~}}'],
    ['no template', 'no template'],
  ])('translates Go template %j', (go, hb) => {
    expect(toHandlebars(go)).toBe(hb);
  });

  it('renders Nova and handlebars forms alike, without HTML escaping', () => {
    expect(renderString("server db2 {{ .Values.Cluster2IP }}:27017 check & <x> 'y'", ctx)).toBe(
      "server db2 ferretdb-2.example:27017 check & <x> 'y'",
    );
    expect(renderString('{{ Values.Cluster2IP }}', ctx)).toBe('ferretdb-2.example');
  });

  it('renders inside any JSON shape and keeps non-string types', () => {
    const raw = {
      'haproxy.cfg': 'server db2 {{ .Values.Cluster2IP }}:{{ .Values.Port }}',
      n: 3,
      b: true,
      l: ['{{ .Values.Port }}'],
    };
    expect(renderValue(raw, ctx)).toStrictEqual({
      'haproxy.cfg': 'server db2 ferretdb-2.example:27017',
      n: 3,
      b: true,
      l: ['27017'],
    });
  });

  it('fails a missing value with its key', () => {
    expect(() => renderString('{{ .Values.Nope }}', ctx)).toThrow(TemplateError);
    expect(() => renderString('{{ .Values.Nope }}', ctx)).toThrow('outputKey "Nope"');
  });

  it.each([
    ['{{ .Values.X', 'does not parse'],
    ['{{#if .Values.X}}open', 'does not parse'],
    ['{{ eval .Values.X }}', 'only the helpers'],
    ['{{ foo }}', 'only .Values'],
    ['{{ .Values }}', 'without a key'],
    ['{{ constructor.constructor }}', 'only .Values'],
  ])('rejects %j at analysis', (src, fragment) => {
    expect(() => analyzeTemplate(src)).toThrow(fragment);
  });

  it('never reaches prototypes', () => {
    expect(() => renderString('{{ .Values.__proto__ }}', ctx)).toThrow(TemplateError);
    expect(() => renderString('{{ .Values.Cluster2IP.length }}', ctx)).toThrow(TemplateError);
    expect(renderString('{{#if .Values.Port}}up{{/if}}', ctx)).toBe('up');
  });

  it('lists the keys a value reads', () => {
    expect(
      valuesKeysIn({
        a: ['{{ .Values.A }} {{ .Values.B }}'],
        b: '{{ .Alert.labels.cluster }}',
      }).sort(),
    ).toStrictEqual(['A', 'B']);
  });
});
