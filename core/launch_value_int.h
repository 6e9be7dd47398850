/* Internal: a value written so that the launch-string parser
 * (pipeline/launch.c) reads it back whole, for the launch strings the
 * library prints for people to run (`info`'s decode lines, its hints);
 * never installed. */
#ifndef SP_LAUNCH_VALUE_INT_H
#define SP_LAUNCH_VALUE_INT_H

#include <stddef.h>

/* Writes @p s as a launch value into @p dst with snprintf semantics (at
 * most @p cap bytes, NUL-terminated when cap > 0): bare when it holds no
 * space, '!' or quote and is not empty; else '...' (taken literally) when
 * it holds no single quote; else "..." with " and \ escaped. Returns the
 * length the whole value needs. */
size_t sp__launch_value(char *dst, size_t cap, const char *s);

#endif
