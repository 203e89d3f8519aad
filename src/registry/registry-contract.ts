import { describe } from 'node:test';
import { describeEnqueueConfirmation } from './registry-contract-confirmation.ts';
import { describeErrors } from './registry-contract-errors.ts';
import { describeExpiry } from './registry-contract-expiry.ts';
import { describeLeases } from './registry-contract-leases.ts';
import { describeTurnLifecycle } from './registry-contract-lifecycle.ts';
import { describeRaces } from './registry-contract-races.ts';
import { describeReading } from './registry-contract-reading.ts';
import { describeExactResume } from './registry-contract-resume.ts';
import type {
  StreamRegistryContractOptions,
  StreamRegistryFactory,
} from './registry-contract-support.ts';

export type {
  StreamRegistryContractOptions,
  StreamRegistryFactory,
} from './registry-contract-support.ts';

/**
 * The one behaviour every StreamRegistry adapter must show (DESIGN.md invariants 1, 2 and 6).
 * `createRegistry` is called once per test and must return an isolated registry (fresh key
 * prefix, fresh map) whose `cleanup` tolerates a registry that the test already closed.
 */
export function runStreamRegistryContract(
  adapterName: string,
  createRegistry: StreamRegistryFactory,
  options?: StreamRegistryContractOptions,
): void {
  describe(`StreamRegistry contract: ${adapterName}`, () => {
    describeTurnLifecycle(createRegistry);
    describeReading(createRegistry);
    describeRaces(createRegistry);
    describeExactResume(createRegistry);
    describeExpiry(createRegistry, options);
    describeLeases(createRegistry);
    describeEnqueueConfirmation(createRegistry);
    describeErrors(createRegistry);
  });
}
