import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nonDeterministicModules = [
  'node:*', 'fs', 'fs/*', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'worker_threads',
  'timers', 'timers/*', 'events', 'stream', 'util', 'url', 'zlib', 'dns', 'tls', 'process',
  'mongoose', 'mongodb', 'express', 'express/*', 'zod', 'zod/*', '@langchain/*', 'pino', 'jose', 'bcryptjs',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'web/dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: nonDeterministicModules,
          message: 'Workflow code must be deterministic: import only @temporalio/workflow, types and pure helpers.',
          allowTypeImports: true,
        }],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'process', message: 'Workflow code may not read the process environment.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { console: 'readonly', process: 'readonly' } },
  },
);
