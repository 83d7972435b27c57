import type { Reporter } from './reporter.js';
import { reportText } from './text.js';
import { reportJson } from './json.js';
import { reportSarif } from './sarif.js';
import { reportGithub } from './github.js';
import { reportGitlab } from './gitlab.js';
import { reportMarkdown } from './markdown.js';

export const reporters: Record<string, Reporter> = {
  text: reportText,
  json: reportJson,
  sarif: reportSarif,
  github: reportGithub,
  gitlab: reportGitlab,
  markdown: reportMarkdown,
};
