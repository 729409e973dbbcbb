import { describe, expect, it } from 'vitest';
import { codeownersCandidates, parseCodeowners, ruleFor } from './codeowners.js';

const FILE = `# Repository owners
*                   @acme/platform
/docs/              @acme/docs   # the docs team
.github/workflows/  @acme/ci-owners alice@acme.example
/vendor/
*.md                @octocat
`;

describe('CODEOWNERS', () => {
  it('parses lines, comments and escaped spaces', () => {
    expect(parseCodeowners('a\\ b/ @x\n# c\n\n*.js @y @z')).toEqual([
      { pattern: 'a\\ b/', owners: ['@x'], line: 1 },
      { pattern: '*.js', owners: ['@y', '@z'], line: 4 },
    ]);
  });

  it('the last matching line wins; a line without owners un-owns', () => {
    const rules = parseCodeowners(FILE);
    expect(ruleFor(rules, 'src/a.ts')?.owners).toEqual(['@acme/platform']);
    expect(ruleFor(rules, 'docs/x.txt')?.owners).toEqual(['@acme/docs']);
    expect(ruleFor(rules, 'docs/README.md')?.owners).toEqual(['@octocat']);
    expect(ruleFor(rules, 'vendor/lib.js')).toBeNull();
  });

  it('Actions secrets get the workflows’ owners; deploy keys the repository-wide ones', () => {
    expect(codeownersCandidates(FILE, 'secret')).toEqual([
      {
        owner: null,
        team: 'acme/ci-owners',
        source: 'codeowners',
        via: '.github/CODEOWNERS line 4 (.github/workflows/)',
        confidence: 'medium',
        departed: null,
      },
      expect.objectContaining({ owner: 'alice@acme.example', team: null }),
    ]);
    expect(codeownersCandidates(FILE, 'deploy-key', 'CODEOWNERS')).toEqual([
      expect.objectContaining({ team: 'acme/platform', via: 'CODEOWNERS line 2 (*)' }),
    ]);
    expect(codeownersCandidates('/docs/ @a', 'deploy-key')).toEqual([]);
  });
});
