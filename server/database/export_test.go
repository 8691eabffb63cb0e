package database

// CounterStmts exposes counterStmts to the tests of the package.
var CounterStmts = counterStmts
