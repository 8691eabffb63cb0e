package database

import (
	"context"
	"fmt"
	"slices"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // PostgreSQL analyzers.
	"ariga.io/atlas/sql/sqlcheck"
	"ariga.io/atlas/sql/sqlclient"
	"ariga.io/atlas/sql/sqlite"
	_ "ariga.io/atlas/sql/sqlite/sqlitecheck" // SQLite analyzers.
	"entgo.io/ent/dialect"
)

// Finding is one diagnostic of Atlas's migration analyzers.
type Finding struct {
	File string
	// Code is Atlas's check code: DS… for destructive changes (drop table or
	// column), MF… for data-dependent ones (a new unique index, a NOT NULL
	// column without default).
	Code string
	Text string
	// Destructive tells DS… findings from data-dependent ones.
	Destructive bool
}

// String formats f as "file: CODE: text".
func (f Finding) String() string { return fmt.Sprintf("%s: %s: %s", f.File, f.Code, f.Text) }

// Lint runs Atlas's destructive and data-dependent analyzers over files, the
// last ones of dir. The files before them are replayed on dev, an empty
// database; each statement of files is then run there too, and the change it
// makes to the inspected schema is what the analyzers judge.
func Lint(ctx context.Context, dev *DB, dir atlasmigrate.Dir, files []atlasmigrate.File) ([]Finding, error) {
	if err := VerifySum(dir); err != nil {
		return nil, err
	}
	drv, name, err := atlasDriver(dev)
	if err != nil {
		return nil, err
	}
	analyzers, err := sqlcheck.AnalyzerFor(name, nil)
	if err != nil {
		return nil, err
	}
	all, err := dir.Files()
	if err != nil {
		return nil, err
	}
	client := &sqlclient.Client{Name: name, DB: dev.SQL, Driver: drv}
	var findings []Finding
	for _, f := range all {
		linted := slices.ContainsFunc(files, func(x atlasmigrate.File) bool { return x.Name() == f.Name() })
		stmts, err := f.StmtDecls()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name(), err)
		}
		if !linted {
			for _, s := range stmts {
				if _, err := dev.SQL.ExecContext(ctx, s.Text); err != nil {
					return nil, fmt.Errorf("replaying %s: %w", f.Name(), err)
				}
			}
			continue
		}
		file := &sqlcheck.File{File: f}
		for _, s := range stmts {
			before, err := drv.InspectRealm(ctx, nil)
			if err != nil {
				return nil, err
			}
			if _, err := dev.SQL.ExecContext(ctx, s.Text); err != nil {
				return nil, fmt.Errorf("%s: statement at %d: %w", f.Name(), s.Pos, err)
			}
			after, err := drv.InspectRealm(ctx, nil)
			if err != nil {
				return nil, err
			}
			if file.From == nil {
				file.From = before
			}
			file.To = after
			changes, err := drv.RealmDiff(before, after)
			if err != nil {
				return nil, err
			}
			file.Changes = append(file.Changes, &sqlcheck.Change{Changes: changes, Stmt: s})
		}
		var reports []sqlcheck.Report
		pass := &sqlcheck.Pass{
			File: file,
			Dev:  client,
			Reporter: sqlcheck.ReportWriterFunc(func(r sqlcheck.Report) {
				reports = append(reports, r)
			}),
		}
		for _, a := range analyzers {
			n := len(reports)
			// An analyzer that reports also returns an error ("destructive
			// changes detected"); only an error without a report is one.
			if err := a.Analyze(ctx, pass); err != nil && len(reports) == n {
				return nil, fmt.Errorf("analyzing %s: %w", f.Name(), err)
			}
		}
		for _, r := range reports {
			for _, d := range r.Diagnostics {
				findings = append(findings, Finding{
					File:        f.Name(),
					Code:        d.Code,
					Text:        d.Text,
					Destructive: len(d.Code) > 1 && d.Code[:2] == "DS",
				})
			}
		}
	}
	return findings, nil
}

// atlasDriver returns Atlas's migration driver over db and its name.
func atlasDriver(db *DB) (atlasmigrate.Driver, string, error) {
	switch db.Dialect {
	case dialect.Postgres:
		drv, err := postgres.Open(db.SQL)
		return drv, postgres.DriverName, err
	case dialect.SQLite:
		drv, err := sqlite.Open(db.SQL)
		return drv, sqlite.DriverName, err
	}
	return nil, "", fmt.Errorf("no Atlas driver for %s", db.Dialect)
}
