// Kernel differential conformance, mount mode: default (see harness/suite.ts).
import { defineConformanceSuite } from './harness/suite.js';

defineConformanceSuite('default');
