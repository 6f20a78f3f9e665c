/** Dive's CI rules: keys, defaults, strict comparisons, go-humanize sizes, and bad files. */
import { describe, expect, it } from 'vitest';
import { analyzeLayers, ciRules, evaluateRules, parseByteSize, parseDiveCi } from '../../../src/analysis/index.js';
import { DomainError } from '../../../src/errors/index.js';
import { diveExampleLayers } from './diveFixture.js';

// dive's .data/.dive-ci, as it is in dive's repository.
const DIVE_DATA_CI = `---
plugins:
  - plugin1

rules:
  # If the efficiency is measured below X%, mark as failed. (expressed as a percentage between 0-1)
  lowestEfficiency: 0.95

  # If the amount of wasted space is at least X or larger than X, mark as failed. (expressed in B, KB, MB, and GB)
  highestWastedBytes: 20Mb

  # If the amount of wasted space makes up for X% of the image, mark as failed.
  highestUserWastedPercent: 0.5

  plugin1/rule1: error
`;

describe('.dive-ci rules', () => {
  it("reads dive's own .dive-ci", () => {
    expect(parseDiveCi(DIVE_DATA_CI)).toEqual({ lowestEfficiency: '0.95', highestWastedBytes: '20Mb', highestUserWastedPercent: '0.5' });
    expect(ciRules(parseDiveCi(DIVE_DATA_CI)).map((r) => r.threshold)).toEqual([0.95, 20_000_000, 0.5]);
  });

  it("gives dive's evaluation of its CI example (Test_CI_Fail: default rules)", () => {
    const { dive } = analyzeLayers({ layers: diveExampleLayers() });
    const { results, pass } = evaluateRules(ciRules(), dive);
    expect(pass).toBe(false);
    expect(results).toEqual([
      { key: 'highestUserWastedPercent', status: 'FAIL', message: 'too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.72 > threshold=0.1)' },
      { key: 'highestWastedBytes', status: 'SKIP', message: 'disabled' },
      { key: 'lowestEfficiency', status: 'PASS', message: '0.9' },
    ]);
  });

  it('compares strictly: a threshold met exactly passes', () => {
    const rules = ciRules({ lowestEfficiency: '0.5', highestWastedBytes: '100', highestUserWastedPercent: '0.25' });
    expect(evaluateRules(rules, { efficiency: 0.5, wastedBytes: 100, userWastedPercent: 0.25 }).pass).toBe(true);
    expect(evaluateRules(rules, { efficiency: 0.49, wastedBytes: 100, userWastedPercent: 0.25 }).pass).toBe(false);
    expect(evaluateRules(rules, { efficiency: 0.5, wastedBytes: 101, userWastedPercent: 0.25 }).pass).toBe(false);
  });

  it('reads sizes as go-humanize ParseBytes does', () => {
    expect(parseByteSize('20MB')).toBe(20_000_000);
    expect(parseByteSize('19Mb')).toBe(19_000_000);
    expect(parseByteSize('1.5 GiB')).toBe(1.5 * 2 ** 30);
    expect(parseByteSize('1,000')).toBe(1000);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
  });

  it('a bad .dive-ci is one clear error', () => {
    expect(() => parseDiveCi('rules:\n  lowestEfficiency 0.9\n')).toThrow(DomainError);
    expect(() => parseDiveCi('rules:\n  lowestEfficiency 0.9\n')).toThrow('.dive-ci, line 2: expected "key: value", got "lowestEfficiency 0.9"');
    expect(() => ciRules(parseDiveCi('rules:\n  lowestEfficiency: 1.5\n'))).toThrow("lowestEfficiency config value is outside allowed range (0-1), given '1.5'");
    expect(() => ciRules(parseDiveCi('rules:\n  highestWastedBytes: lots\n'))).toThrow('invalid highestWastedBytes config value, given "lots"');
  });
});
