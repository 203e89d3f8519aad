import { tool } from 'ai';
import { z } from 'zod';
import { toolInput } from './tool-input.ts';

/** What the calculator tool returns to the model. */
export interface CalculatorOutput {
  expression: string;
  result: number;
}

/**
 * Evaluates an arithmetic expression: numbers with decimals, `+ - * / %`, `^` (or `**`, right
 * associative, binding tighter than unary minus: `-2^2` is -4), parentheses and unary signs.
 * A hand-written recursive-descent parser, because the input comes from a model and must never
 * reach `eval`. Results are rounded to 12 significant digits so `0.1+0.2` reads as 0.3.
 * Throws an Error with a message meant for the model on bad syntax, division by zero or a
 * non-finite result.
 */
export function evaluateArithmetic(expression: string): number {
  const parser = new ArithmeticParser(tokenize(expression));
  const value = parser.parseExpression();
  parser.expectEnd();
  if (!Number.isFinite(value)) throw new Error('the result is too large to represent');
  return Number(value.toPrecision(12));
}

/** The `calculator` tool offered to models. */
export const calculatorTool = tool({
  description:
    'Evaluate an arithmetic expression exactly. Supports + - * / % ^ (power), parentheses, unary minus and decimals, e.g. "12*(3+4)".',
  inputSchema: toolInput(
    z.object({
      expression: z
        .string()
        .max(200)
        .describe('The arithmetic expression to evaluate, e.g. "12*(3+4)"'),
    }),
  ),
  execute: async ({ expression }): Promise<CalculatorOutput> => ({
    expression,
    result: evaluateArithmetic(expression),
  }),
});

type Token =
  | { kind: 'number'; value: number; position: number }
  | { kind: 'symbol'; value: string; position: number };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < expression.length) {
    const character = expression.charAt(position);
    if (/\s/.test(character)) {
      position += 1;
      continue;
    }
    const number = /^(\d+(\.\d*)?|\.\d+)/.exec(expression.slice(position))?.[0];
    if (number !== undefined) {
      tokens.push({ kind: 'number', value: Number(number), position });
      position += number.length;
      continue;
    }
    if (expression.startsWith('**', position)) {
      tokens.push({ kind: 'symbol', value: '^', position });
      position += 2;
      continue;
    }
    if ('+-*/%^()'.includes(character)) {
      tokens.push({ kind: 'symbol', value: character, position });
      position += 1;
      continue;
    }
    throw new Error(`unexpected character "${character}" at position ${position + 1}`);
  }
  return tokens;
}

class ArithmeticParser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parseExpression(): number {
    let value = this.parseTerm();
    for (let operator = this.takeSymbol('+', '-'); operator; operator = this.takeSymbol('+', '-')) {
      const right = this.parseTerm();
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  }

  expectEnd(): void {
    const token = this.tokens[this.index];
    if (token !== undefined)
      throw new Error(`unexpected "${describe(token)}" at position ${token.position + 1}`);
  }

  private parseTerm(): number {
    let value = this.parseUnary();
    for (
      let operator = this.takeSymbol('*', '/', '%');
      operator;
      operator = this.takeSymbol('*', '/', '%')
    ) {
      const right = this.parseUnary();
      if (operator === '*') value *= right;
      else if (right === 0)
        throw new Error(operator === '/' ? 'division by zero' : 'modulo by zero');
      else value = operator === '/' ? value / right : value % right;
    }
    return value;
  }

  private parseUnary(): number {
    const sign = this.takeSymbol('+', '-');
    if (sign === '-') return -this.parseUnary();
    if (sign === '+') return this.parseUnary();
    return this.parsePower();
  }

  private parsePower(): number {
    const base = this.parsePrimary();
    // The exponent goes through parseUnary so that `2^-1` works and `2^3^2` is 2^(3^2).
    return this.takeSymbol('^') ? base ** this.parseUnary() : base;
  }

  private parsePrimary(): number {
    const token = this.tokens[this.index];
    if (token === undefined) throw new Error('the expression ended too early');
    this.index += 1;
    if (token.kind === 'number') return token.value;
    if (token.value === '(') {
      const value = this.parseExpression();
      if (!this.takeSymbol(')'))
        throw new Error(`missing ")" for the "(" at position ${token.position + 1}`);
      return value;
    }
    throw new Error(`unexpected "${token.value}" at position ${token.position + 1}`);
  }

  private takeSymbol(...symbols: string[]): string | undefined {
    const token = this.tokens[this.index];
    if (token?.kind !== 'symbol' || !symbols.includes(token.value)) return undefined;
    this.index += 1;
    return token.value;
  }
}

function describe(token: Token): string {
  return token.kind === 'number' ? String(token.value) : token.value;
}
