// Layering (STYLE.md): shared/ is pure (no Node, no DOM, no engine); electron/engine never imports
// 'electron'; the renderer reaches the engine only through shared/ contracts.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'stream',
  'zlib',
  'url',
  'util',
  'events',
  'readline',
  'worker_threads',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'tmp/**',
      'bin/**',
      '*.config.*',
      // Team-written source in other languages, parsed by the tests as data (line numbers are asserted).
      'tests/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'shared/ is pure TypeScript: no Node APIs' },
            {
              group: [
                'electron',
                '@lancedb/*',
                'apache-arrow',
                'openai',
                'react',
                'react-dom',
                '**/electron/**',
                '**/renderer/**',
              ],
              message: 'shared/ imports neither Node, DOM nor engine/UI code',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/cli/**/*.ts', 'electron/web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron'], message: 'the engine runs in plain Node: only electron/main may import electron' },
            { group: ['**/renderer/**', '**/electron/main/**'], message: 'the engine never imports UI or shell code' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'the renderer runs in a browser sandbox' },
            {
              group: ['electron', '@lancedb/*', '**/electron/**'],
              message: 'the renderer reaches the engine only through shared/ contracts',
            },
          ],
        },
      ],
    },
  },
);
