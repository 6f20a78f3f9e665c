/**
 * Layer analysis: what each layer adds, changes and deletes, the bytes later layers hide
 * (wasted), dive's own metrics beside the corrected ones, dive's CI rules, and comparisons of
 * two views. Browser-pure: it works on `Layer`s and image configs.
 */
export { diveMetrics } from './diveMetrics.js';
export type { DiveMetrics, DiveInefficiency } from './diveMetrics.js';
export { walkStack } from './stackWalk.js';
export type { StackWalk, LayerEffect, HiddenCopy, HiddenRow, HideReason } from './stackWalk.js';
export { analyzeLayers } from './analyze.js';
export type { Analysis, AnalyzeInput, AnalyzedLayer, CorrectedMetrics, Inefficiency, WasteEvent } from './analyze.js';
export { baseLayers } from './base.js';
export type { BaseLayers } from './base.js';
export { parseDiveCi, ciRules, evaluateRules, parseByteSize, CI_KEYS, CI_DEFAULTS } from './ciRules.js';
export type { CiKey, CiRule, CiRuleValues, CiMetrics, RuleResult, RuleStatus } from './ciRules.js';
export { diffViews } from './diffViews.js';
export type { ViewChange, ViewDiff } from './diffViews.js';
