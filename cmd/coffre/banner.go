package main

import (
	"fmt"
	"io"
	"strings"

	"coffre/auth"
)

// printCredentials prints, once, the administrator credentials that were
// generated at first start, in a box on stdout. Values the operator chose
// through the environment are not echoed.
func printCredentials(w io.Writer, gen auth.Credentials) {
	show := func(v, env string) string {
		if v == "" {
			return "(as set in " + env + ")"
		}
		return v
	}
	lines := []string{
		"Coffre administrator created. Generated secrets are shown only",
		"this once: store them now (a password manager is a good place).",
		"",
		"  login       " + gen.Login,
		"  password    " + show(gen.Password, "COFFRE_ADMIN_PASSWORD"),
		"  access key  " + show(gen.AccessKey, "COFFRE_ADMIN_ACCESS_KEY"),
		"  secret key  " + show(gen.SecretKey, "COFFRE_ADMIN_SECRET_KEY"),
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l))
	}
	border := "+" + strings.Repeat("-", width+2) + "+"
	var b strings.Builder
	b.WriteString(border + "\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "| %-*s |\n", width, l)
	}
	b.WriteString(border + "\n")
	io.WriteString(w, b.String())
}
