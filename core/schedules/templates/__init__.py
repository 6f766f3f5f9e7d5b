"""Scenario templates: a scenario's shape with parameters, instantiated per DB profile."""
