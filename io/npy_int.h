/* Internal to io/: the .npy header and file steps shared by the writers. */
#ifndef SP_NPY_INT_H
#define SP_NPY_INT_H

#include <stddef.h>

#include "atomic_file_int.h"

/* Open a temporary file for @p path and write a version 1.0 header:
 * @p descr is a dtype string ("<f4") or, starting with '[', a structured
 * dtype's list written as is. */
int sp__npy_begin(sp__afile *f, const char *path, const char *descr, int ndim,
                  const size_t *shape);

/* Commit the file when @p rc is SP_OK, else remove it; returns the status. */
int sp__npy_finish(sp__afile *f, int rc);

#endif
