// Kernel differential conformance, mount mode: index (see harness/suite.ts).
import { defineConformanceSuite } from './harness/suite.js';

defineConformanceSuite('index');
