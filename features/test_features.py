"""Bind every .feature file of this folder to pytest."""
from pytest_bdd import scenarios

scenarios(".")
