// Package storage is the contract between Coffre's storage engine and its front ends.
//
// A front end (S3, WebDAV, REST, share links) authenticates its caller into a
// Principal, binds it once per request with Service.As, and uses only the returned
// Namespace. Every Namespace method checks the caller's rights, honours locks,
// records a version on change and returns an *Error carrying a Kind, so that each
// front end maps kinds to its wire format in one place and no protocol can skip a
// rule.
//
// This package imports only the standard library.
package storage
