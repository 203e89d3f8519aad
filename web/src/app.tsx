export function App() {
  return <div data-testid="empty-state">durable-chat</div>;
}
