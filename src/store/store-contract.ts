import { describe } from 'node:test';
import type { ChatStore } from './chat-store.ts';
import { runApprovalContract } from './store-contract-approvals.ts';
import { runFinishContract } from './store-contract-finish.ts';
import { runMessageIdContract } from './store-contract-message-ids.ts';
import { runMessageContract } from './store-contract-messages.ts';
import { runOperationContract } from './store-contract-operations.ts';
import { runPageContract } from './store-contract-pages.ts';
import { runPendingContract } from './store-contract-pending.ts';
import { runSearchContract } from './store-contract-search.ts';
import { runReplacementContract } from './store-contract-replacement.ts';
import { runSessionContract } from './store-contract-sessions.ts';
import { runSummaryContract } from './store-contract-summaries.ts';
import { runTurnContract } from './store-contract-turns.ts';

/**
 * The ChatStore contract: every adapter runs this one suite. `createStore` is called once per
 * test and must return a store that sees no data of any other test; `cleanup` must tolerate a
 * store that the test already closed.
 */
export function runChatStoreContract(
  adapterName: string,
  createStore: () => Promise<{ store: ChatStore; cleanup: () => Promise<void> }>,
): void {
  describe(`ChatStore contract: ${adapterName}`, () => {
    runSessionContract(createStore);
    runSearchContract(createStore);
    runTurnContract(createStore);
    runMessageContract(createStore);
    runMessageIdContract(createStore);
    runFinishContract(createStore);
    runPageContract(createStore);
    runReplacementContract(createStore);
    runPendingContract(createStore);
    runOperationContract(createStore);
    runApprovalContract(createStore);
    runSummaryContract(createStore);
  });
}
