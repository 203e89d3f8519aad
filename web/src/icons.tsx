/** The few line icons the app uses (24×24, currentColor), so no icon font is needed. */
function Icon({ path, label }: { path: string; label?: string }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="18"
      height="18"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
    >
      <path d={path} />
    </svg>
  );
}

export const MenuIcon = () => <Icon path="M4 6h16M4 12h16M4 18h16" />;
export const ArrowDownIcon = () => <Icon path="M12 5v14M6 13l6 6 6-6" />;
export const PlusIcon = () => <Icon path="M12 5v14M5 12h14" />;
export const RegenerateIcon = () => (
  <Icon path="M20 11a8 8 0 0 0-14.5-4.5L4 8M4 4v4h4M4 13a8 8 0 0 0 14.5 4.5L20 16M20 20v-4h-4" />
);
export const PencilIcon = () => <Icon path="M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4" />;
export const TrashIcon = () => <Icon path="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />;
export const CloseIcon = () => <Icon path="M6 6l12 12M18 6L6 18" />;
export const CopyIcon = () => <Icon path="M9 9h11v11H9zM5 15H4V4h11v1" />;
export const CheckIcon = () => <Icon path="M5 12l5 5L20 7" />;
export const SearchIcon = () => <Icon path="M11 4a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM20 20l-4-4" />;
export const PaperclipIcon = () => (
  <Icon path="M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7" />
);
