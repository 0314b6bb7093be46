// Package s3 is Coffre's S3-compatible endpoint: a thin layer over
// storage.Namespace that speaks the S3 REST protocol to the aws CLI, rclone,
// s3cmd and the SDKs.
//
// Every request is authenticated with AWS Signature Version 4 (auth/sigv4)
// against the caller's access keys, then served by a namespace bound to the
// key's owner, so rights, locks, versions and the trash apply as in every
// other protocol. A bucket is a root folder; the key "a/b/c.txt" is the file
// c.txt in folder b in folder a; a key ending in "/" is a folder.
//
// Files: s3.go routes requests (outside net/http.ServeMux, which would
// redirect keys holding "//" or ".."), errors.go is the one error table,
// auth.go verifies signatures; each operation group has its own file.
package s3
