from workflows.tests.conftest import world  # noqa: F401  (the workflow tests' small world)
