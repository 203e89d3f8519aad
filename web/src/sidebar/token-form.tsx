import { useEffect, useRef, useState, type FormEvent } from 'react';

/**
 * The bearer token for servers with auth on (JWT_SECRET or JWKS_URL). It is kept in this
 * browser's localStorage; a `#token=…` link sets it too (asking first when it differs from
 * the saved one). Saving an empty field signs out.
 */
export function TokenForm({
  token,
  required,
  onSave,
}: {
  token: string | null;
  /** The server refused us: ask for the token prominently. */
  required: boolean;
  onSave: (token: string | null) => void;
}) {
  const [value, setValue] = useState(token ?? '');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => setValue(token ?? ''), [token]);
  useEffect(() => {
    if (required) input.current?.focus();
  }, [required]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = value.trim();
    onSave(trimmed === '' ? null : trimmed);
  };

  return (
    <form className={`token-form${required ? ' is-required' : ''}`} onSubmit={onSubmit}>
      <label htmlFor="token-input">
        {required ? 'This server needs an access token' : 'Access token'}
        {!required && token && <span className="muted"> · saved</span>}
      </label>
      <div className="token-row">
        <input
          ref={input}
          id="token-input"
          data-testid="token-input"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={required ? 'Paste a bearer token' : 'Only if the server asks'}
          value={value}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" className="button" data-testid="token-save">
          Save
        </button>
      </div>
    </form>
  );
}
