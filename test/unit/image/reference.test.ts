import { describe, expect, it } from 'vitest';
import { canonicalName, familiarName, nameFromAnnotations, parseImageName, tryCanonicalName, tryParseImageName } from '../../../src/image/index.js';

describe('image names', () => {
  it('splits name and tag, defaulting to latest', () => {
    expect(parseImageName('alpine')).toEqual({ name: 'alpine', tag: 'latest' });
    expect(parseImageName('demo/app:1.0')).toEqual({ name: 'demo/app', tag: '1.0' });
    expect(parseImageName('localhost:5000/team/app')).toEqual({ name: 'localhost:5000/team/app', tag: 'latest' });
    expect(parseImageName('registry.example:5000/app:v2')).toEqual({ name: 'registry.example:5000/app', tag: 'v2' });
    expect(canonicalName('app')).toBe('app:latest');
  });

  it('refuses what Docker refuses', () => {
    for (const bad of ['', 'App', 'app:', 'app:-x', 'a//b', 'app@sha256:abc', '-app', 'app_:1']) {
      expect(() => parseImageName(bad), bad).toThrow(/invalid image name/);
    }
  });

  it('parses without throwing: a result that says why a name is refused', () => {
    expect(tryParseImageName('demo/app:1.0')).toEqual({ ok: true, name: { name: 'demo/app', tag: '1.0' } });
    expect(tryParseImageName('App')).toEqual({ ok: false, text: 'App', reason: '"App" must be lower-case letters, digits and separators . _ -' });
    expect(tryParseImageName('app:-x')).toEqual({ ok: false, text: 'app:-x', reason: 'bad tag "-x"' });
    expect(tryCanonicalName('app')).toBe('app:latest');
    expect(tryCanonicalName('sha256:abc')).toBe('sha256:abc'); // a name, as Docker reads it
    expect(tryCanonicalName('a//b')).toBeUndefined();
    // The throwing form says the same.
    expect(() => parseImageName('App')).toThrow('invalid image name "App": "App" must be lower-case letters, digits and separators . _ -');
  });

  it('reads names from index.json annotations: containerd name first, then the ref name', () => {
    expect(nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'app:1.0' })).toBe('app:1.0');
    expect(nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'v1' })).toBe('v1:latest');
    expect(
      nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'latest', 'io.containerd.image.name': 'docker.io/library/alpine:latest' }),
    ).toBe('alpine:latest');
    expect(nameFromAnnotations({ 'org.opencontainers.image.ref.name': 'Not Valid' })).toBeUndefined();
    expect(nameFromAnnotations(undefined)).toBeUndefined();
    expect(familiarName('docker.io/team/app:1')).toBe('team/app:1');
  });
});
