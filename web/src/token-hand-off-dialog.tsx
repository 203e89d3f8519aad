import { ConfirmDialog } from './sidebar/confirm-dialog.tsx';
import type { TokenHandOff } from './use-token-hand-off.ts';

/**
 * Asks before a link's access token replaces the one this browser uses: a link alone must not
 * sign someone into another account. Keeping the current token is the default answer.
 */
export function TokenHandOffDialog({ handOff }: { handOff: TokenHandOff }) {
  if (handOff.offered === null) return null;
  return (
    <ConfirmDialog
      title="Switch to the link's access token?"
      confirmLabel="Use the new token"
      cancelLabel="Keep my current token"
      danger={false}
      onConfirm={handOff.accept}
      onCancel={handOff.decline}
    >
      The link you opened carries an access token that differs from the one this browser uses. With
      the new token you see the chats of whoever it belongs to, and new chats are theirs. Switch
      only if you expected this link to sign you in.
    </ConfirmDialog>
  );
}
