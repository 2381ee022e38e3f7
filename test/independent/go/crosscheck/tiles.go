package main

import (
	"bytes"
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
	// Every hash tile read, to check each one again against the tree its leaves make: x/mod 0.7.0's
	// TileHashReader leaves some full tiles unauthenticated (its loop over the tiles to check against
	// their parents starts at the number of subtree hashes, not of the distinct tiles holding them).
	tiles []tlog.Tile
	data  [][]byte
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
		r.tiles = append(r.tiles, t)
		r.data = append(r.data, data)
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
	// Every tile read again, independently of TileHashReader: the leaf hashes must make the signed
	// root, and each tile read must be the tile those leaves make.
	stored := memoryHashes{}
	for i, h := range leaves {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), h, stored)
		if err != nil {
			return fmt.Errorf("tiles: %v", err)
		}
		for k, x := range hs {
			stored[tlog.StoredHashIndex(0, int64(i))+int64(k)] = x
		}
	}
	if rebuilt, err := tlog.TreeHash(cp.size, stored); err != nil || rebuilt != cp.root {
		return fmt.Errorf("tiles: the leaf hashes in the tiles do not hash to the signed root")
	}
	for i, t := range r.tiles {
		want, err := tlog.ReadTileData(t, stored)
		if err != nil {
			return fmt.Errorf("tiles: %v", err)
		}
		if !bytes.Equal(want, r.data[i]) {
			return fmt.Errorf("tiles: %s is not the tile the signed tree's leaves make", c2spTilePath(t))
		}
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

	// Entry bundles: each entry's RFC 6962 leaf hash (tlog.RecordHash) must be its hash in the tiles.
	bundles := 0
	for start := int64(0); start < cp.size; start += 256 {
		w := cp.size - start
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}
		path := strings.Replace(t.Path(), "tile/8/data/", "tile/entries/", 1)
		data, err := r.get(path)
		if err != nil {
			return fmt.Errorf("tiles: bundle: %v", err)
		}
		entries, err := parseBundle(data)
		if err != nil {
			return fmt.Errorf("tiles: bundle %s: %v", path, err)
		}
		if int64(len(entries)) != w {
			return fmt.Errorf("tiles: bundle %s holds %d entries, want %d", path, len(entries), w)
		}
		for i, e := range entries {
			index := start + int64(i)
			if h := tlog.RecordHash(e); h != leaves[index] {
				return fmt.Errorf("tiles: entry %d in bundle %s hashes to %s, its tile says %s", index, path, h, leaves[index])
			}
		}
		bundles++
	}
	fmt.Printf("ok  tiles: %d entries in %d bundle(s) hash to their leaves\n", cp.size, bundles)
	return nil
}

type memoryHashes map[int64]tlog.Hash

func (m memoryHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

// parseBundle splits a C2SP tlog-tiles entry bundle: each entry a big-endian uint16 length and its bytes.
func parseBundle(data []byte) ([][]byte, error) {
	var out [][]byte
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, fmt.Errorf("truncated length")
		}
		n := int(data[0])<<8 | int(data[1])
		if len(data) < 2+n {
			return nil, fmt.Errorf("truncated entry %d", len(out))
		}
		out = append(out, data[2:2+n])
		data = data[2+n:]
	}
	return out, nil
}
