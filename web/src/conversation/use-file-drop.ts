import { type DragEvent, useCallback, useMemo, useRef, useState } from 'react';

export interface FileDrop {
  /** Files are dragged over the area: show where they would go. */
  dragging: boolean;
  handlers: {
    onDragEnter: (event: DragEvent) => void;
    onDragOver: (event: DragEvent) => void;
    onDragLeave: (event: DragEvent) => void;
    onDrop: (event: DragEvent) => void;
  };
}

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

/**
 * Makes an area (the conversation with its composer) a drop target for files. Dragged text or
 * links are left alone, so they still drop into the text box as usual.
 */
export function useFileDrop(onFiles: ((files: File[]) => void) | undefined): FileDrop {
  const [dragging, setDragging] = useState(false);
  // Entering a child fires dragenter on it before dragleave on its parent: count the depth.
  const depth = useRef(0);

  const onDragEnter = useCallback(
    (event: DragEvent) => {
      if (onFiles === undefined || !carriesFiles(event)) return;
      event.preventDefault();
      depth.current += 1;
      setDragging(true);
    },
    [onFiles],
  );

  const onDragOver = useCallback(
    (event: DragEvent) => {
      if (onFiles === undefined || !carriesFiles(event)) return;
      // Without this the browser opens the dropped file in place of the app.
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    },
    [onFiles],
  );

  const onDragLeave = useCallback(
    (event: DragEvent) => {
      if (onFiles === undefined || !carriesFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    [onFiles],
  );

  const onDrop = useCallback(
    (event: DragEvent) => {
      if (onFiles === undefined || !carriesFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDragging(false);
      const files = [...event.dataTransfer.files];
      if (files.length > 0) onFiles(files);
    },
    [onFiles],
  );

  return useMemo(
    () => ({ dragging, handlers: { onDragEnter, onDragOver, onDragLeave, onDrop } }),
    [dragging, onDragEnter, onDragOver, onDragLeave, onDrop],
  );
}
