// Preloaded into s3rver 3.7.1 (node --require) by scripts/services.sh; mends one race of its filesystem store.
// Its DeleteObject removes the directories that became empty, and its PutObject opens the object's file after
// creating the directory, with no 'error' listener on that stream. A PUT into the folder whose last object is
// being deleted at that moment (a deleted run's blobs while its job writes one more sample; a test's clean-up)
// then fails to open its file, and the unhandled error ends the whole server: every later test sees connection
// refused (CI, 2026-12-02; bench: 3000 put/delete pairs in one folder crash it within 20). Real S3 has no
// directories, so here DeleteObject only removes the object's files: empty folders stay, and listings, which
// walk files, do not see them.
const path = require('path');
const store = path.join(path.dirname(process.argv[1]), '..', 'lib', 'stores', 'filesystem.js');
const FilesystemStore = require(store);
const fs = require('fs/promises');

FilesystemStore.prototype.deleteObject = async function deleteObject(bucket, key) {
  await Promise.all(['object', 'object.md5', 'metadata.json'].map((type) =>
    fs.unlink(this.getResourcePath(bucket, key, type)).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    })));
};

process.on('uncaughtException', (error) => {
  console.error(`s3rver stopped on an uncaught error: ${(error && error.stack) || error}`);
  process.exit(1);
});
