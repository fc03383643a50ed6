"""Helpers shared by the test suites: servers, clients, factories, the Frontend API stub."""
