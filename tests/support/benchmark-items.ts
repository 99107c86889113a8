import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STDLIB } from './temp.ts';

/**
 * Benchmark-style problems written by the team for decontamination tests and the bench
 * (HumanEval layout: prompt = signature + docstring with doctests, canonical_solution = body).
 * None is copied from a real benchmark.
 */
export interface TeamItem {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}

const P = (name: string, sig: string, doc: string, body: string, test: string): TeamItem => ({
  task_id: `Team/${name}`,
  prompt: `def ${name}(${sig}):\n    """${doc}\n    """\n`,
  canonical_solution: body,
  test,
  entry_point: name,
});

export const TEAM_ITEMS: TeamItem[] = [
  P(
    'count_vowel_runs',
    'word: str',
    " Count maximal runs of consecutive vowels in the word.\n    >>> count_vowel_runs('beautiful')\n    3",
    `    vowels = set('aeiouAEIOU')
    runs = 0
    inside = False
    for ch in word:
        if ch in vowels:
            if not inside:
                runs += 1
            inside = True
        else:
            inside = False
    return runs
`,
    "def check(candidate):\n    assert candidate('beautiful') == 3\n    assert candidate('rhythm') == 0\n",
  ),
  P(
    'merge_ranges',
    'pairs: list',
    ' Merge overlapping closed integer ranges given as (start, end) pairs.\n    >>> merge_ranges([(1, 3), (2, 6), (8, 9)])\n    [(1, 6), (8, 9)]',
    `    ordered = sorted(pairs)
    merged = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
`,
    'def check(candidate):\n    assert candidate([(1, 3), (2, 6), (8, 9)]) == [(1, 6), (8, 9)]\n',
  ),
  P(
    'digit_root_sum',
    'values: list',
    ' Return the sum of the digital roots of the non-negative integers in values.\n    >>> digit_root_sum([38, 7, 0])\n    9',
    `    total = 0
    for number in values:
        while number >= 10:
            digits = 0
            while number > 0:
                digits += number % 10
                number //= 10
            number = digits
        total += number
    return total
`,
    'def check(candidate):\n    assert candidate([38, 7, 0]) == 9\n',
  ),
  P(
    'balanced_brackets_depth',
    'text: str',
    " Return the maximum nesting depth of brackets, or -1 if they do not balance.\n    >>> balanced_brackets_depth('(a[b]{c})')\n    2",
    `    pairs = {')': '(', ']': '[', '}': '{'}
    stack = []
    deepest = 0
    for ch in text:
        if ch in '([{':
            stack.append(ch)
            deepest = max(deepest, len(stack))
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return -1
    return deepest if not stack else -1
`,
    "def check(candidate):\n    assert candidate('(a[b]{c})') == 2\n    assert candidate('(]') == -1\n",
  ),
  P(
    'rotate_grid_clockwise',
    'grid: list',
    ' Rotate a rectangular grid (list of rows) a quarter turn clockwise.\n    >>> rotate_grid_clockwise([[1, 2], [3, 4]])\n    [[3, 1], [4, 2]]',
    `    height = len(grid)
    width = len(grid[0]) if grid else 0
    rotated = []
    for col in range(width):
        new_row = []
        for row in range(height - 1, -1, -1):
            new_row.append(grid[row][col])
        rotated.append(new_row)
    return rotated
`,
    'def check(candidate):\n    assert candidate([[1, 2], [3, 4]]) == [[3, 1], [4, 2]]\n',
  ),
  P(
    'second_largest_unique',
    'numbers: list',
    ' Return the second largest distinct value, or None when there is none.\n    >>> second_largest_unique([4, 1, 4, 3])\n    3',
    `    best = None
    runner_up = None
    for value in numbers:
        if best is None or value > best:
            if best is not None:
                runner_up = best
            best = value
        elif value != best and (runner_up is None or value > runner_up):
            runner_up = value
    return runner_up
`,
    'def check(candidate):\n    assert candidate([4, 1, 4, 3]) == 3\n    assert candidate([2, 2]) is None\n',
  ),
  P(
    'caesar_shift_words',
    'sentence: str, shift: int',
    " Shift each letter forward by shift places, keeping case and non-letters.\n    >>> caesar_shift_words('Hi, Zed', 2)\n    'Jk, Bgf'",
    `    out = []
    for ch in sentence:
        if 'a' <= ch <= 'z':
            out.append(chr((ord(ch) - ord('a') + shift) % 26 + ord('a')))
        elif 'A' <= ch <= 'Z':
            out.append(chr((ord(ch) - ord('A') + shift) % 26 + ord('A')))
        else:
            out.append(ch)
    return ''.join(out)
`,
    "def check(candidate):\n    assert candidate('Hi, Zed', 2) == 'Jk, Bgf'\n",
  ),
  P(
    'longest_plateau',
    'heights: list',
    ' Length of the longest run of equal adjacent heights.\n    >>> longest_plateau([1, 2, 2, 2, 3, 3])\n    3',
    `    if not heights:
        return 0
    longest = 1
    current = 1
    for i in range(1, len(heights)):
        if heights[i] == heights[i - 1]:
            current += 1
            longest = max(longest, current)
        else:
            current = 1
    return longest
`,
    'def check(candidate):\n    assert candidate([1, 2, 2, 2, 3, 3]) == 3\n    assert candidate([]) == 0\n',
  ),
  P(
    'group_by_length',
    'words: list',
    " Group words by length; return a dict from length to words in input order.\n    >>> group_by_length(['ab', 'c', 'de'])\n    {2: ['ab', 'de'], 1: ['c']}",
    `    groups = {}
    for word in words:
        size = len(word)
        if size not in groups:
            groups[size] = []
        groups[size].append(word)
    return groups
`,
    "def check(candidate):\n    assert candidate(['ab', 'c', 'de']) == {2: ['ab', 'de'], 1: ['c']}\n",
  ),
  P(
    'spiral_order',
    'matrix: list',
    ' Return the elements of a matrix in clockwise spiral order.\n    >>> spiral_order([[1, 2, 3], [4, 5, 6]])\n    [1, 2, 3, 6, 5, 4]',
    `    result = []
    top, bottom = 0, len(matrix) - 1
    left, right = 0, len(matrix[0]) - 1 if matrix else -1
    while top <= bottom and left <= right:
        for c in range(left, right + 1):
            result.append(matrix[top][c])
        top += 1
        for r in range(top, bottom + 1):
            result.append(matrix[r][right])
        right -= 1
        if top <= bottom:
            for c in range(right, left - 1, -1):
                result.append(matrix[bottom][c])
            bottom -= 1
        if left <= right:
            for r in range(bottom, top - 1, -1):
                result.append(matrix[r][left])
            left += 1
    return result
`,
    'def check(candidate):\n    assert candidate([[1, 2, 3], [4, 5, 6]]) == [1, 2, 3, 6, 5, 4]\n',
  ),
  P(
    'run_length_encode',
    'text: str',
    " Encode text as letter+count pairs for each run.\n    >>> run_length_encode('aaabcc')\n    'a3b1c2'",
    `    if not text:
        return ''
    pieces = []
    current = text[0]
    count = 1
    for ch in text[1:]:
        if ch == current:
            count += 1
        else:
            pieces.append(current + str(count))
            current = ch
            count = 1
    pieces.append(current + str(count))
    return ''.join(pieces)
`,
    "def check(candidate):\n    assert candidate('aaabcc') == 'a3b1c2'\n",
  ),
  P(
    'prime_factor_counts',
    'n: int',
    ' Return a dict from each prime factor of n to its multiplicity.\n    >>> prime_factor_counts(360)\n    {2: 3, 3: 2, 5: 1}',
    `    factors = {}
    divisor = 2
    while divisor * divisor <= n:
        while n % divisor == 0:
            factors[divisor] = factors.get(divisor, 0) + 1
            n //= divisor
        divisor += 1
    if n > 1:
        factors[n] = factors.get(n, 0) + 1
    return factors
`,
    'def check(candidate):\n    assert candidate(360) == {2: 3, 3: 2, 5: 1}\n',
  ),
  P(
    'is_valid_isbn10',
    'code: str',
    " Check an ISBN-10 (digits, optional final X, hyphens ignored).\n    >>> is_valid_isbn10('0-306-40615-2')\n    True",
    `    chars = [c for c in code if c != '-']
    if len(chars) != 10:
        return False
    total = 0
    for position, ch in enumerate(chars):
        if ch.isdigit():
            value = int(ch)
        elif ch in 'xX' and position == 9:
            value = 10
        else:
            return False
        total += (10 - position) * value
    return total % 11 == 0
`,
    "def check(candidate):\n    assert candidate('0-306-40615-2') is True\n",
  ),
  P(
    'window_maximums',
    'values: list, size: int',
    ' Maximum of every contiguous window of the given size.\n    >>> window_maximums([1, 3, 2, 5, 4], 2)\n    [3, 3, 5, 5]',
    `    from collections import deque
    window = deque()
    maxima = []
    for i, value in enumerate(values):
        while window and values[window[-1]] <= value:
            window.pop()
        window.append(i)
        if window[0] <= i - size:
            window.popleft()
        if i >= size - 1:
            maxima.append(values[window[0]])
    return maxima
`,
    'def check(candidate):\n    assert candidate([1, 3, 2, 5, 4], 2) == [3, 3, 5, 5]\n',
  ),
  P(
    'pascal_row',
    'index: int',
    " Return row number index (0-based) of Pascal's triangle.\n    >>> pascal_row(4)\n    [1, 4, 6, 4, 1]",
    `    row = [1]
    for k in range(index):
        next_row = [1]
        for j in range(len(row) - 1):
            next_row.append(row[j] + row[j + 1])
        next_row.append(1)
        row = next_row
    return row
`,
    'def check(candidate):\n    assert candidate(4) == [1, 4, 6, 4, 1]\n',
  ),
  P(
    'title_case_except',
    'sentence: str, minor: list',
    " Capitalize each word except the minor ones (the first word is always capitalized).\n    >>> title_case_except('the tale of two cities', ['of', 'the'])\n    'The Tale of Two Cities'",
    `    words = sentence.split()
    result = []
    for i, word in enumerate(words):
        lowered = word.lower()
        if i > 0 and lowered in minor:
            result.append(lowered)
        else:
            result.append(lowered[:1].upper() + lowered[1:])
    return ' '.join(result)
`,
    "def check(candidate):\n    assert candidate('the tale of two cities', ['of', 'the']) == 'The Tale of Two Cities'\n",
  ),
  P(
    'matrix_diagonal_difference',
    'square: list',
    ' Absolute difference between the sums of the two diagonals of a square matrix.\n    >>> matrix_diagonal_difference([[1, 2], [3, 4]])\n    0',
    `    size = len(square)
    primary = 0
    secondary = 0
    for i in range(size):
        primary += square[i][i]
        secondary += square[i][size - 1 - i]
    return abs(primary - secondary)
`,
    'def check(candidate):\n    assert candidate([[1, 2], [3, 4]]) == 0\n',
  ),
  P(
    'first_unique_char_index',
    'text: str',
    " Index of the first character that occurs once, or -1.\n    >>> first_unique_char_index('swiss')\n    1",
    `    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    for position, ch in enumerate(text):
        if counts[ch] == 1:
            return position
    return -1
`,
    "def check(candidate):\n    assert candidate('swiss') == 1\n    assert candidate('aa') == -1\n",
  ),
  P(
    'binary_gap',
    'n: int',
    ' Longest run of zeros surrounded by ones in the binary form of n.\n    >>> binary_gap(529)\n    4',
    `    bits = bin(n)[2:]
    longest = 0
    current = 0
    seen_one = False
    for bit in bits:
        if bit == '1':
            if seen_one:
                longest = max(longest, current)
            seen_one = True
            current = 0
        else:
            current += 1
    return longest
`,
    'def check(candidate):\n    assert candidate(529) == 4\n    assert candidate(15) == 0\n',
  ),
  P(
    'staircase_ways',
    'steps: int, max_jump: int',
    ' Number of ways to climb steps taking between 1 and max_jump steps at a time.\n    >>> staircase_ways(4, 2)\n    5',
    `    ways = [0] * (steps + 1)
    ways[0] = 1
    for i in range(1, steps + 1):
        for jump in range(1, max_jump + 1):
            if i - jump >= 0:
                ways[i] += ways[i - jump]
    return ways[steps]
`,
    'def check(candidate):\n    assert candidate(4, 2) == 5\n',
  ),
  P(
    'interleave_lists',
    'first: list, second: list',
    ' Alternate elements of two lists, appending what is left of the longer one.\n    >>> interleave_lists([1, 2, 3], [9])\n    [1, 9, 2, 3]',
    `    merged = []
    shorter = min(len(first), len(second))
    for i in range(shorter):
        merged.append(first[i])
        merged.append(second[i])
    merged.extend(first[shorter:])
    merged.extend(second[shorter:])
    return merged
`,
    'def check(candidate):\n    assert candidate([1, 2, 3], [9]) == [1, 9, 2, 3]\n',
  ),
  P(
    'anagram_groups_count',
    'words: list',
    " Number of groups of words that are anagrams of each other.\n    >>> anagram_groups_count(['listen', 'silent', 'enlist', 'google'])\n    2",
    `    keys = set()
    for word in words:
        signature = ''.join(sorted(word.lower()))
        keys.add(signature)
    return len(keys)
`,
    "def check(candidate):\n    assert candidate(['listen', 'silent', 'enlist', 'google']) == 2\n",
  ),
  P(
    'nearest_smaller_left',
    'values: list',
    ' For each value, the nearest smaller value to its left, or None.\n    >>> nearest_smaller_left([4, 5, 2, 10, 8])\n    [None, 4, None, 2, 2]',
    `    stack = []
    answer = []
    for value in values:
        while stack and stack[-1] >= value:
            stack.pop()
        answer.append(stack[-1] if stack else None)
        stack.append(value)
    return answer
`,
    'def check(candidate):\n    assert candidate([4, 5, 2, 10, 8]) == [None, 4, None, 2, 2]\n',
  ),
  P(
    'weighted_median',
    'values: list, weights: list',
    ' The smallest value at which the cumulative weight reaches half the total.\n    >>> weighted_median([1, 2, 3], [1, 1, 4])\n    3',
    `    pairs = sorted(zip(values, weights))
    half = sum(weights) / 2
    running = 0
    for value, weight in pairs:
        running += weight
        if running >= half:
            return value
    return None
`,
    'def check(candidate):\n    assert candidate([1, 2, 3], [1, 1, 4]) == 3\n',
  ),
];

/** The item's program (what a sample could have copied). */
export const programOf = (t: TeamItem) => t.prompt + t.canonical_solution;

/**
 * A renamed copy: the function, its parameters and locals renamed consistently (which also
 * renames the doctest lines of the docstring, so no 13-gram of the original survives).
 */
export function renamedCopy(t: TeamItem): string {
  const src = programOf(t);
  const names = new Set<string>([t.entry_point]);
  for (const m of t.prompt.matchAll(/[(,]\s*([a-z_][a-z0-9_]*)\s*:/g)) names.add(m[1]);
  for (const m of t.canonical_solution.matchAll(/^\s*([a-z_][a-z0-9_]*)(?:\s*,\s*([a-z_][a-z0-9_]*))?\s*=[^=]/gm)) {
    names.add(m[1]);
    if (m[2]) names.add(m[2]);
  }
  for (const m of t.canonical_solution.matchAll(/for ([a-z_][a-z0-9_]*)(?:, ([a-z_][a-z0-9_]*))? in/g)) {
    names.add(m[1]);
    if (m[2]) names.add(m[2]);
  }
  let out = src;
  for (const n of names) out = out.replace(new RegExp(`\\b${n}\\b`, 'g'), `${n}_impl`);
  return out;
}

/**
 * A reformatted copy, as a formatter plus an editor would leave it: renamed, docstring dropped,
 * '...' quotes as "...", 2-space indentation, redundant parentheses around returned values and
 * a trailing comma in the signature.
 */
export function reformattedCopy(t: TeamItem): string {
  const renamed = renamedCopy(t).replace(/^\s*"""[\s\S]*?"""\n/m, '');
  const out: string[] = [];
  for (const line of renamed.split('\n')) {
    const indent = line.match(/^ */)![0].length;
    let body = line.slice(indent).replace(/'/g, '"');
    body = body.replace(/^return (.+)$/, 'return ($1)');
    body = body.replace(/^def (\w+)\((.*)\):$/, 'def $1($2,):');
    out.push(' '.repeat(indent / 2) + body);
  }
  return out.join('\n');
}

export const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** Real stdlib modules, plus three with a planted exact / renamed / reformatted benchmark copy. */
export async function corpus(dir: string) {
  const names = (await readdir(STDLIB)).filter((f) => f.endsWith('.py')).slice(0, 15);
  const rows: { text: string; score: number; planted?: string }[] = [];
  for (const n of names) rows.push({ text: await readFile(join(STDLIB, n), 'utf8'), score: 4 });
  const host = rows[0].text;
  const plant = (copy: string) => `${host}\n\n${copy}\n`;
  rows.push({ text: plant(programOf(TEAM_ITEMS[2])), score: 4, planted: 'exact' });
  rows.push({ text: plant(renamedCopy(TEAM_ITEMS[10])), score: 4, planted: 'renamed' });
  rows.push({ text: plant(reformattedCopy(TEAM_ITEMS[4])), score: 5, planted: 'reformatted' });
  const f = join(dir, 'corpus.jsonl');
  await writeFile(f, jsonl(rows));
  return { file: f, rows };
}
