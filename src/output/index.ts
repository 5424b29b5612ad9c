export { ensureStateDir, NOFOLLOW, openStateFile, stateFileError, refuseSymlinkSync, STATE_DIR_MODE, STATE_FILE_MODE, symlinkRefused } from './state-file.ts';
export { writeFilesAtomic, writeDirAtomic } from './atomic-dir.ts';
