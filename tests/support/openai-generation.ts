// Generation mode of the fake OpenAI server: answers `tbs synth` prompts (a "Topic:" line in the
// user message) with seeded exercises or textbook sections, including invalid code, exact and
// near repeats, a benchmark copy and a wrong doctest, so every gate has something to catch.
// A topic that names a variant ("variant:repeat ...") forces it; other topics draw one by hash.
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';

export const VARIANTS = [
  'unique',
  'invalid',
  'repeat',
  'near-repeat',
  'contaminated',
  'corpus-copy',
  'wrong-doctest',
  'no-docstring',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** A HumanEval-style benchmark row; the `contaminated` variant copies its function. */
export const FAKE_BENCHMARK_ROW = {
  task_id: 'FakeEval/0',
  prompt:
    'def running_balance_never_negative(operations: list[int]) -> bool:\n    """You are given a list of deposit and withdrawal operations on a bank account that starts\n    with zero balance. Return True if the balance never falls below zero, otherwise False.\n    >>> running_balance_never_negative([1, 2, -3])\n    True\n    """\n',
  canonical_solution:
    '    balance = 0\n    for op in operations:\n        balance += op\n        if balance < 0:\n            return False\n    return True\n',
  test: 'def check(candidate):\n    assert candidate([1, 2, -4]) is False\n',
};

/** Text the `corpus-copy` variant returns; tests import it into the corpus first. */
export const FAKE_CORPUS_EXERCISE = `def count_vowels_in_sentence(sentence: str) -> int:
    """Count how many vowels (a, e, i, o, u, either case) the sentence contains.

    >>> count_vowels_in_sentence("Textbooks are all you need")
    9
    """
    return sum(1 for ch in sentence.lower() if ch in "aeiou")`;

/** The `repeat` variant: the same text every time. */
export const FAKE_REPEAT = `def merge_sorted_lists(left: list[int], right: list[int]) -> list[int]:
    """Merge two lists that are each sorted in ascending order into one sorted list.

    The merge walks both lists once with two indices, always taking the smaller head, so it
    runs in time proportional to the total length instead of sorting again from scratch.

    >>> merge_sorted_lists([1, 4, 9], [2, 3, 10])
    [1, 2, 3, 4, 9, 10]
    """
    merged = []
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged`;

/** The `near-repeat` variant: FAKE_REPEAT with one docstring word changed (Jaccard ~0.9). */
export const FAKE_NEAR_REPEAT = FAKE_REPEAT.replace('from scratch', 'from zero');

const INVALID = `def broken_average(values: list[float]) -> float
    """Return the average of values (the colon after the signature is missing)."""
    return sum(values) / len(values)`;

const NO_DOCSTRING = `def add_numbers(a: int, b: int) -> int:
    return a + b`;

const MODULES = ['math', 're', 'collections', 'itertools', 'functools', 'string', 'statistics', 'random'];

function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

/** A valid exercise whose names and constants come from `h`, so two of them are never near duplicates. */
function uniqueExercise(h: number, topic: string, wrong: boolean): string {
  const r = (k: number) => ((h >>> (k * 3)) ^ Math.imul(h, k + 7)) >>> 0;
  const tag = (h >>> 0).toString(36);
  const [k1, k2, k3] = [r(1) % 50, 3 + (r(2) % 40), 101 + (r(3) % 900)];
  const data = [r(4) % 100, r(5) % 100, r(6) % 100];
  let acc = k1;
  for (const x of data) acc = (acc * k2 + x) % k3;
  const mod = MODULES[r(7) % (MODULES.length + 3)];
  const head = mod ? `import ${mod}\n\n` : '';
  return `${head}def fold_${tag}(items_${tag}: list[int]) -> int:
    """Fold items_${tag} into one checksum (exercise ${tag} on ${topic}).

    >>> fold_${tag}(${JSON.stringify(data).replaceAll(',', ', ')})
    ${wrong ? acc + 1 : acc}
    """
    acc_${tag} = ${k1}
    for x_${tag} in items_${tag}:
        acc_${tag} = (acc_${tag} * ${k2} + x_${tag}) % ${k3}
    return acc_${tag}`;
}

function textbookOf(code: string, topic: string, tag: string): { title: string; markdown: string } {
  const title = `Working with ${topic} (${tag})`;
  return {
    title,
    markdown: `## ${title}\n\nThis section explains ${topic} with a worked example (${tag}). Read the function first, then run it.\n\n\`\`\`python\n${code}\n\`\`\`\n\nTry changing the input and predict the answer before running it again.\n`,
  };
}

let uniqueSeq = 0;

/** The generation answer for one request, or null when the request is not a generation prompt. */
export function fakeGeneration(
  system: string,
  user: string,
): { variant: Variant; kind: 'exercises' | 'textbook'; code: string; answer: Record<string, string> } | null {
  const topic = /^Topic: (.+)$/m.exec(user)?.[1];
  if (!topic) return null;
  const kind = /textbook/i.test(system) ? 'textbook' : 'exercises';
  const forced = /variant:([a-z-]+)/.exec(topic)?.[1] as Variant | undefined;
  const h = fnv(user);
  // Unforced: about half unique exercises, the rest spread over the faulty variants.
  const variant: Variant =
    forced && VARIANTS.includes(forced) ? forced : h % 16 < 9 ? 'unique' : VARIANTS[1 + ((h % 16) - 9)];
  const u = fnv(`${user}#${uniqueSeq++}`);
  const code =
    variant === 'invalid'
      ? INVALID
      : variant === 'repeat'
        ? FAKE_REPEAT
        : variant === 'near-repeat'
          ? FAKE_NEAR_REPEAT
          : variant === 'contaminated'
            ? FAKE_BENCHMARK_ROW.prompt + FAKE_BENCHMARK_ROW.canonical_solution.trimEnd()
            : variant === 'corpus-copy'
              ? FAKE_CORPUS_EXERCISE
              : variant === 'no-docstring'
                ? NO_DOCSTRING
                : uniqueExercise(u, topic, variant === 'wrong-doctest');
  const tag = ['repeat', 'near-repeat', 'contaminated', 'corpus-copy', 'invalid', 'no-docstring'].includes(variant)
    ? variant
    : u.toString(36);
  const answer = kind === 'exercises' ? { exercise: code } : textbookOf(code, topic, tag);
  return { variant, kind, code, answer };
}

let enc: Tiktoken | null = null;
/** Prompt tokens the way OpenAI bills gpt-4o-family chat: o200k_base per message + 3 each + 3. */
export function o200kPromptTokens(messages: { content: string }[]): number {
  enc ??= new Tiktoken(o200k);
  return messages.reduce((n, m) => n + enc!.encode(m.content, [], []).length + 3, 3);
}
