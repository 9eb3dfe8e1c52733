// The harness API lands here (see docs/development.md). Placeholder so the project builds.
export {};
