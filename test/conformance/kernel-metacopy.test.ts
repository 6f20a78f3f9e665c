// Kernel differential conformance, mount mode: metacopy (see harness/suite.ts).
import { defineConformanceSuite } from './harness/suite.js';

defineConformanceSuite('metacopy');
