// Package storagetest is the conformance suite of storage.Namespace. The
// engine runs it directly; each front end runs it again through its protocol
// with a thin client that implements storage.Namespace, which is what proves
// that every front end has the same semantics.
package storagetest
