/** Reusable property laws: each takes arbitraries (and a mount mode) and asserts with fast-check. */
export { assertAgreesWithFlatReference, checkAgainstReference, OVERLAY_EXCEPTIONS } from './agreesWithFlatReference.js';
export { assertCommitPreservesView, checkCommitPreservesView, COMMIT_EXCEPTIONS } from './commitPreservesView.js';
export { assertRestorePreservesView, checkRestorePreservesView } from './restorePreservesView.js';
export { assertLowersUnchanged, checkLowersUnchanged } from './lowersUnchanged.js';
export { assertFlattenMatchesMount, checkFlattenMatchesMount, FLATTEN_EXCEPTIONS } from './flattenMatchesMount.js';
export { assertVolumeRoundTrip, checkVolumeRoundTrip } from './volumeRoundTrip.js';
export { MODES, viewOf, viewOfStack, normaliseDirNlink, groupSizes } from './view.js';
export { assertAppendedUpperMatchesWhole, checkAppendedUpperMatchesWhole } from './appendedUpperMatchesWhole.js';
