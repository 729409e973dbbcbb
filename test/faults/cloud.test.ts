import { demoFaultSuite, FAULT_SUITE_SHARDS } from './demo-faults.js';

demoFaultSuite(FAULT_SUITE_SHARDS.cloud!);
