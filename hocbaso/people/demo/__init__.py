"""Demo data: a province of schools built through the actions (`manage.py seed_demo`).

Everything here is generated from a fixed random seed, so the same options give the same names,
dates and personal IDs on every machine.
"""
