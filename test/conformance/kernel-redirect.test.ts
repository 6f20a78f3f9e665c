// Kernel differential conformance, mount mode: redirect_dir (see harness/suite.ts).
import { defineConformanceSuite } from './harness/suite.js';

defineConformanceSuite('redirect_dir');
