import { hostname } from "node:os";

/**
 * This host's name as attempt tags carry it (`<host>-<pid>-<n>`, for the local pool and workers alike), so a later
 * start can tell which attempt folders a process of this host left behind.
 */
export const ATTEMPT_HOST = hostname().replace(/[^A-Za-z0-9_.-]/g, "_");
