package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// tilesInput names a C2SP tlog-tiles prefix (e.g. https://host/c/<campaign>/) and what the tiles
// must agree with: the leaf hashes the JSON API served, in order.
type tilesInput struct {
	Prefix     string   `json:"prefix"`
	LeafHashes []string `json:"leafHashes"`
}

// c2spTileReader reads hash tiles of height 8 over HTTP. C2SP tlog-tiles paths are the sumdb ones
// without the height element: tile/<L>/<N>[.p/<W>].
type c2spTileReader struct {
	prefix  string
	client  *http.Client
	fetched int
}

func (r *c2spTileReader) Height() int { return 8 }

func (r *c2spTileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := r.get(c2spTilePath(t))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r *c2spTileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func (r *c2spTileReader) get(path string) ([]byte, error) {
	res, err := r.client.Get(r.prefix + path)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d", path, res.StatusCode)
	}
	r.fetched++
	return body, nil
}

func c2spTilePath(t tlog.Tile) string {
	return strings.Replace(t.Path(), fmt.Sprintf("tile/%d/", t.H), "tile/", 1)
}

// checkTiles verifies the log from its hash tiles against a signed checkpoint: the checkpoint at
// <prefix>checkpoint (signed by the log key), every leaf hash read through tlog.TileHashReader (which
// checks each tile against the tree), the root recomputed from the tiles, and record and tree proofs
// built from the tiles.
func checkTiles(in *tilesInput, logVerifier note.Verifier, want checkpoint, older []checkpoint) error {
	if !strings.HasSuffix(in.Prefix, "/") {
		return fmt.Errorf("tiles: prefix %q must end with /", in.Prefix)
	}
	r := &c2spTileReader{prefix: in.Prefix, client: &http.Client{Timeout: 30 * time.Second}}
	text, err := r.get("checkpoint")
	if err != nil {
		return fmt.Errorf("tiles: %v", err)
	}
	n, err := note.Open(text, note.VerifierList(logVerifier))
	if err != nil {
		return fmt.Errorf("tiles: checkpoint: %v", err)
	}
	cp, err := parseCheckpoint(n.Text)
	if err != nil {
		return fmt.Errorf("tiles: %v", err)
	}
	if cp.origin != want.origin || cp.size != want.size || cp.root != want.root {
		return fmt.Errorf("tiles: the tiles' checkpoint (size %d root %s) is not the API's (size %d root %s)", cp.size, cp.root, want.size, want.root)
	}
	if int64(len(in.LeafHashes)) != cp.size {
		return fmt.Errorf("tiles: %d leaf hashes given for a tree of size %d", len(in.LeafHashes), cp.size)
	}
	tree := tlog.Tree{N: cp.size, Hash: cp.root}
	hr := tlog.TileHashReader(tree, r)

	root, err := tlog.TreeHash(cp.size, hr)
	if err != nil {
		return fmt.Errorf("tiles: root from the tiles: %v", err)
	}
	if root != cp.root {
		return fmt.Errorf("tiles: the tiles hash to %s, the checkpoint signs %s", root, cp.root)
	}
	indexes := make([]int64, cp.size)
	for i := range indexes {
		indexes[i] = tlog.StoredHashIndex(0, int64(i))
	}
	leaves, err := hr.ReadHashes(indexes)
	if err != nil {
		return fmt.Errorf("tiles: leaf hashes: %v", err)
	}
	for i, h := range leaves {
		served, err := hexHash(in.LeafHashes[i])
		if err != nil {
			return fmt.Errorf("tiles: leaf %d: %v", i, err)
		}
		if h != served {
			return fmt.Errorf("tiles: leaf %d is %s in the tiles, %s in the API", i, h, served)
		}
	}
	for _, i := range []int64{0, cp.size / 2, cp.size - 1} {
		if cp.size == 0 {
			break
		}
		p, err := tlog.ProveRecord(cp.size, i, hr)
		if err != nil {
			return fmt.Errorf("tiles: record proof of %d: %v", i, err)
		}
		if err := tlog.CheckRecord(p, cp.size, cp.root, i, leaves[i]); err != nil {
			return fmt.Errorf("tiles: record proof of %d: %v", i, err)
		}
	}
	for _, o := range older {
		p, err := tlog.ProveTree(cp.size, o.size, hr)
		if err != nil {
			return fmt.Errorf("tiles: tree proof from %d: %v", o.size, err)
		}
		if err := tlog.CheckTree(p, cp.size, cp.root, o.size, o.root); err != nil {
			return fmt.Errorf("tiles: tree proof from %d: %v", o.size, err)
		}
	}
	fmt.Printf("ok  tiles: %d leaf hashes and the root of size %d from %d tile(s) under %s\n", cp.size, cp.size, r.fetched-1, in.Prefix)
	return nil
}
