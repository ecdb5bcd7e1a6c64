"""SOQL: a lark grammar, a typed AST, a compiler to SQLAlchemy Core, cursors and result shapes."""
