import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculatorTool, evaluateArithmetic } from './calculator.ts';

describe('evaluateArithmetic', () => {
  it('gives * / % precedence over + and -, left to right', () => {
    assert.equal(evaluateArithmetic('2+3*4'), 14);
    assert.equal(evaluateArithmetic('10-4-3'), 3);
    assert.equal(evaluateArithmetic('100/10/5'), 2);
    assert.equal(evaluateArithmetic('7+10%4*2'), 11);
    assert.equal(evaluateArithmetic('1 - 2 + 3'), 2);
  });

  it('lets parentheses override precedence, nested', () => {
    assert.equal(evaluateArithmetic('12*(3+4)'), 84);
    assert.equal(evaluateArithmetic('((2+3)*(4-1))/5'), 3);
    assert.equal(evaluateArithmetic(' ( ( 1 ) ) '), 1);
  });

  it('handles unary minus and plus, also repeated and inside parentheses', () => {
    assert.equal(evaluateArithmetic('-3+5'), 2);
    assert.equal(evaluateArithmetic('2*-3'), -6);
    assert.equal(evaluateArithmetic('--4'), 4);
    assert.equal(evaluateArithmetic('-(2+3)'), -5);
    assert.equal(evaluateArithmetic('+7-+2'), 5);
  });

  it('makes power right associative and tighter than unary minus', () => {
    assert.equal(evaluateArithmetic('2^3^2'), 512);
    assert.equal(evaluateArithmetic('-2^2'), -4);
    assert.equal(evaluateArithmetic('(-2)^2'), 4);
    assert.equal(evaluateArithmetic('2^-1'), 0.5);
    assert.equal(evaluateArithmetic('2**10'), 1024);
    assert.equal(evaluateArithmetic('3*2^2'), 12);
  });

  it('reads decimals and rounds away floating-point noise', () => {
    assert.equal(evaluateArithmetic('0.1+0.2'), 0.3);
    assert.equal(evaluateArithmetic('.5*4'), 2);
    assert.equal(evaluateArithmetic('2.5*2.'), 5);
    assert.equal(evaluateArithmetic('7/4'), 1.75);
    assert.equal(evaluateArithmetic('-7%3'), -1);
  });

  it('rejects division and modulo by zero', () => {
    assert.throws(() => evaluateArithmetic('1/0'), /division by zero/);
    assert.throws(() => evaluateArithmetic('5/(2-2)'), /division by zero/);
    assert.throws(() => evaluateArithmetic('5%0'), /modulo by zero/);
  });

  it('rejects bad syntax with a message naming the problem and its position', () => {
    assert.throws(() => evaluateArithmetic(''), /ended too early/);
    assert.throws(() => evaluateArithmetic('2+'), /ended too early/);
    assert.throws(() => evaluateArithmetic('(1+2'), /missing "\)" for the "\(" at position 1/);
    assert.throws(() => evaluateArithmetic('1+2)'), /unexpected "\)" at position 4/);
    assert.throws(() => evaluateArithmetic('2 3'), /unexpected "3" at position 3/);
    assert.throws(() => evaluateArithmetic('*2'), /unexpected "\*" at position 1/);
    assert.throws(() => evaluateArithmetic('1..2'), /unexpected "0.2" at position 3/);
  });

  it('never evaluates code: identifiers and other characters are syntax errors', () => {
    assert.throws(
      () => evaluateArithmetic('process.exit(1)'),
      /unexpected character "p" at position 1/,
    );
    assert.throws(
      () => evaluateArithmetic('1+constructor'),
      /unexpected character "c" at position 3/,
    );
    assert.throws(() => evaluateArithmetic('2,5'), /unexpected character ","/);
  });

  it('rejects results that are not finite numbers', () => {
    assert.throws(() => evaluateArithmetic('10^400'), /too large/);
  });

  it('agrees with a direct evaluation of random expression trees', () => {
    for (let round = 0; round < 500; round += 1) {
      const tree = randomTree(4);
      assert.equal(
        evaluateArithmetic(render(tree)),
        Number(evaluateTree(tree).toPrecision(12)),
        render(tree),
      );
    }
  });
});

describe('calculatorTool', () => {
  it('returns the expression and its result to the model', async () => {
    const output = await calculatorTool.execute?.(
      { expression: '12*(3+4)' },
      { toolCallId: 'call-1', messages: [], context: {} },
    );
    assert.deepEqual(output, { expression: '12*(3+4)', result: 84 });
  });

  it('throws a clear error the AI SDK can hand back to the model', async () => {
    await assert.rejects(
      async () =>
        calculatorTool.execute?.(
          { expression: '4/0' },
          { toolCallId: 'call-2', messages: [], context: {} },
        ),
      { message: 'division by zero' },
    );
  });
});

type Tree = number | { operator: '+' | '-' | '*'; left: Tree; right: Tree } | { negate: Tree };

function randomTree(depth: number): Tree {
  const roll = Math.random();
  if (depth === 0 || roll < 0.25) return Math.floor(Math.random() * 20);
  if (roll < 0.35) return { negate: randomTree(depth - 1) };
  const operators = ['+', '-', '*'] as const;
  const operator = operators[Math.floor(Math.random() * operators.length)] ?? '+';
  return { operator, left: randomTree(depth - 1), right: randomTree(depth - 1) };
}

function evaluateTree(tree: Tree): number {
  if (typeof tree === 'number') return tree;
  if ('negate' in tree) return -evaluateTree(tree.negate);
  const left = evaluateTree(tree.left);
  const right = evaluateTree(tree.right);
  if (tree.operator === '+') return left + right;
  return tree.operator === '-' ? left - right : left * right;
}

function render(tree: Tree): string {
  if (typeof tree === 'number') return String(tree);
  if ('negate' in tree) return `-(${render(tree.negate)})`;
  return `(${render(tree.left)} ${tree.operator} ${render(tree.right)})`;
}
