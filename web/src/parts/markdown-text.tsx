import { memo } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { AnswerImage } from './answer-image.tsx';
import { CodeBlock } from './code-block.tsx';

const remarkPlugins = [remarkGfm];

const components: Components = {
  // Answers link to the outside world; keep the conversation open.
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noreferrer noopener" />,
  // An image is a request the reader never made: only from allowed hosts (answer-image.tsx).
  img: ({ src, alt }) => <AnswerImage src={typeof src === 'string' ? src : undefined} alt={alt} />,
  pre: CodeBlock,
  // Wide tables scroll inside the message instead of widening the page on a phone; their
  // words stay whole (styles.css).
  table: ({ node: _node, ...props }) => (
    <div className="table-scroll" data-testid="table-scroll">
      <table {...props} />
    </div>
  ),
};

/**
 * Markdown as the model writes it (GitHub flavour: tables, task lists, strikethrough). No raw
 * HTML is rendered and unsafe URLs are dropped by react-markdown, so model output cannot inject
 * markup; images load only from the hosts the server allows. Memoised: while an answer streams only its last text part changes.
 */
export const MarkdownText = memo(function MarkdownText({ text }: { text: string }) {
  return (
    <div className="markdown" data-testid="message-text">
      <Markdown remarkPlugins={remarkPlugins} components={components}>
        {text}
      </Markdown>
    </div>
  );
});
