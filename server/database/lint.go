package database

import (
	"context"
	"fmt"
	"slices"
	"strings"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // PostgreSQL analyzers.
	atlas "ariga.io/atlas/sql/schema"
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
	// Destructive tells DS… findings from the others.
	Destructive bool
	// Incompatible marks BC… findings: backward-incompatible changes (a
	// rename) that keep every row but break an older version of the
	// service still running. They are warnings: the new version ships with
	// the migration.
	Incompatible bool
}

// Refused reports whether f stops a migration given what is allowed:
// destructive and data-dependent findings do unless allowed; backward-
// incompatible ones never do.
func (f Finding) Refused(allowDestructive, allowDataDependent bool) bool {
	switch {
	case f.Incompatible:
		return false
	case f.Destructive:
		return !allowDestructive
	}
	return !allowDataDependent
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
		stmts, err := fileStmtDecls(dev.Dialect, f)
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
			changes = renames(changes)
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
					File:         f.Name(),
					Code:         d.Code,
					Text:         d.Text,
					Destructive:  strings.HasPrefix(d.Code, "DS"),
					Incompatible: strings.HasPrefix(d.Code, "BC"),
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

// renames turns what a diff of one statement sees as a column (or table)
// dropped and another of the same type added into a rename, which loses no
// data: the statement was ALTER TABLE … RENAME. A statement that drops and
// adds several columns is left as it is.
func renames(changes []atlas.Change) []atlas.Change {
	var dropped, added []int
	for i, c := range changes {
		switch c := c.(type) {
		case *atlas.ModifyTable:
			c.Changes = renameColumns(c.Changes)
		case *atlas.DropTable:
			dropped = append(dropped, i)
		case *atlas.AddTable:
			added = append(added, i)
		}
	}
	if len(dropped) != 1 || len(added) != 1 {
		return changes
	}
	from, to := changes[dropped[0]].(*atlas.DropTable).T, changes[added[0]].(*atlas.AddTable).T
	if len(from.Columns) != len(to.Columns) {
		return changes
	}
	for i, c := range from.Columns {
		if c.Name != to.Columns[i].Name {
			return changes
		}
	}
	out := []atlas.Change{&atlas.RenameTable{From: from, To: to}}
	for i, c := range changes {
		if i != dropped[0] && i != added[0] {
			out = append(out, c)
		}
	}
	return out
}

// renameColumns pairs the one dropped column of a table change with the one
// added column of the same type.
func renameColumns(changes []atlas.Change) []atlas.Change {
	var drop *atlas.DropColumn
	var add *atlas.AddColumn
	var rest []atlas.Change
	for _, c := range changes {
		switch c := c.(type) {
		case *atlas.DropColumn:
			if drop != nil {
				return changes
			}
			drop = c
		case *atlas.AddColumn:
			if add != nil {
				return changes
			}
			add = c
		default:
			rest = append(rest, c)
		}
	}
	if drop == nil || add == nil || !sameType(drop.C, add.C) {
		return changes
	}
	return append(rest, &atlas.RenameColumn{From: drop.C, To: add.C})
}

func sameType(a, b *atlas.Column) bool {
	return a.Type != nil && b.Type != nil && a.Type.Raw == b.Type.Raw && a.Type.Null == b.Type.Null &&
		fmt.Sprintf("%T", a.Type.Type) == fmt.Sprintf("%T", b.Type.Type)
}
