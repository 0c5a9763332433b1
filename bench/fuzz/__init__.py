"""Coverage-guided fuzzing of the parsers of outside input (atheris); bounded runs, not CI. See __main__."""
