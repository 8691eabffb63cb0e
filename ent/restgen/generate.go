package restgen

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
)

// Output says what Generate writes, and where.
type Output struct {
	// EntDir is the directory of the generated ent client; EntPackage is
	// its import path.
	EntDir, EntPackage string
	// RestDir is the directory of the generated REST layer; RestPackage is
	// its import path.
	RestDir, RestPackage string
	// SpecFile is the OpenAPI spec written.
	SpecFile string
	// Features are ent's codegen features.
	Features []gen.Feature
	// Title, Description and Version are the spec's info (see Config).
	Title, Description, Version string
	// License and Contact are the spec's info.license and info.contact
	// (see Config).
	License ogen.License
	Contact ogen.Contact
	// Headers are the server's own headers, for the spec (see Config).
	Headers []Header
}

// Generate runs ent's code generation over the schema package at
// schemaPath, with entoas shaping the spec and this extension rendering the
// REST layer — all into a temporary directory. Only when every step
// succeeded does it put the result in place: the generated files of EntDir
// and RestDir are replaced (files of types no longer in the schema removed;
// hand-written files, those without a "Code generated … DO NOT EDIT." line,
// never touched) and SpecFile is rewritten. A failed generation leaves every
// file as it was.
func Generate(schemaPath string, out Output) error {
	stage, err := os.MkdirTemp("", "restgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	restRel, err := filepath.Rel(out.EntDir, out.RestDir)
	if err != nil {
		return fmt.Errorf("the REST directory must be reachable from the ent directory: %w", err)
	}
	stagedEnt := filepath.Join(stage, "ent", "target")
	stagedRest := filepath.Join(stagedEnt, restRel)
	if !strings.HasPrefix(stagedRest, stage+string(filepath.Separator)) {
		return fmt.Errorf("the REST directory %s is too far from the ent directory %s", out.RestDir, out.EntDir)
	}
	rest := New(Config{Dir: restRel, Package: out.RestPackage, Title: out.Title, Description: out.Description, Version: out.Version,
		License: out.License, Contact: out.Contact, Headers: out.Headers})
	var spec bytes.Buffer
	oas, err := entoas.NewExtension(entoas.WriteTo(&spec), entoas.Mutations(rest.MutateSpec))
	if err != nil {
		return fmt.Errorf("creating the entoas extension: %w", err)
	}
	cfg := &gen.Config{Target: stagedEnt, Package: out.EntPackage, Features: out.Features}
	if err := entc.Generate(schemaPath, cfg, entc.Extensions(jsonSchemas{}, oas, rest)); err != nil {
		return fmt.Errorf("generating (nothing was written): %w", err)
	}
	if spec.Len() == 0 {
		return fmt.Errorf("generating (nothing was written): entoas wrote an empty spec")
	}
	if err := Swap(stagedEnt, out.EntDir); err != nil {
		return err
	}
	if err := Swap(stagedRest, out.RestDir); err != nil {
		return err
	}
	return writeFile(out.SpecFile, spec.Bytes())
}

// generatedHeader is Go's marker of a generated file.
var generatedHeader = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// Swap makes the generated Go files under dst those under src: each file of
// src is written to the same path under dst, and each generated Go file of
// dst that src lacks is removed (with directories left empty by it).
// Hand-written files are never removed or overwritten; testdata and hidden
// directories, and directories below dst holding a hand-written Go file or
// a go.mod (ent/restgen, whose corpus holds other generations' output), are
// not looked into.
func Swap(src, dst string) error {
	want := make(map[string][]byte)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		want[rel] = b
		return err
	})
	if err != nil {
		return fmt.Errorf("reading the generated files: %w", err)
	}
	var stale []string
	var dirs []string
	err = filepath.WalkDir(dst, func(path string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && path == dst {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dst && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || handWritten(path)) {
				return filepath.SkipDir
			}
			dirs = append(dirs, path)
			return nil
		}
		rel, err := filepath.Rel(dst, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		generated := strings.HasSuffix(path, ".go") && generatedHeader.Match(b)
		_, inSrc := want[rel]
		switch {
		case inSrc && !generated && !bytes.Equal(b, want[rel]):
			return fmt.Errorf("%s is hand-written (no generated-code line): not overwriting it", path)
		case !inSrc && generated:
			stale = append(stale, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(want))
	for rel := range want {
		names = append(names, rel)
	}
	slices.Sort(names)
	for _, rel := range names {
		if err := writeFile(filepath.Join(dst, rel), want[rel]); err != nil {
			return err
		}
	}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			return err
		}
	}
	// Deepest first, so a directory emptied of its subdirectories goes too.
	slices.SortFunc(dirs, func(a, b string) int { return len(b) - len(a) })
	for _, d := range dirs {
		if d == dst {
			continue
		}
		if entries, err := os.ReadDir(d); err == nil && len(entries) == 0 {
			_ = os.Remove(d)
		}
	}
	return nil
}

// handWritten reports whether the directory dir holds a go.mod or a Go file
// without the generated-code line: it is not the output of a generation.
func handWritten(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() == "go.mod" {
			return true
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && !generatedHeader.Match(b) {
			return true
		}
	}
	return false
}

// writeFile replaces path with b through a temporary file and a rename, so
// a reader never sees it half-written; it leaves an unchanged file alone.
func writeFile(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".restgen-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close() // the write's error is the one to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
