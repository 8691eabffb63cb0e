package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/entblog/blog/openapi"

	"gopkg.in/yaml.v3"
)

// openapiCmd prints the spec, as JSON or, with --yaml, YAML.
func openapiCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("blog openapi", flag.ContinueOnError)
	asYAML := fs.Bool("yaml", false, "print YAML instead of JSON")
	fs.Usage = flagUsage(fs, "blog openapi [--yaml]", func(string) bool { return false })
	if err := parseFlags(fs, args, func(string) string { return "" }, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	spec := openapi.JSON()
	if !*asYAML {
		_, err := stdout.Write(spec)
		return err
	}
	// JSON is YAML: decode into nodes (keeping key order), then print them
	// in block style.
	var doc yaml.Node
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		return fmt.Errorf("reading the spec: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(stdout)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle clears the flow and quoting styles JSON input leaves on nodes.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
