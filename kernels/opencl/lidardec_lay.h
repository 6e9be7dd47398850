/* Indices into the layout table (lay[]) of the lidar decoders' OpenCL
 * projection: kernels/opencl/lidardec_cl.c fills the table in this order,
 * lidardec.cl reads it. One list for both sides: cmake/embed_cl.cmake
 * inlines this file where lidardec.cl includes it. Plain C that OpenCL C
 * also accepts. */
#ifndef SP_LIDARDEC_LAY_H
#define SP_LIDARDEC_LAY_H

enum {
    L_BSIZE,
    L_NBLOCKS,
    L_PER_BLOCK,
    L_SCALE,
    L_BAZ,
    L_BAZD,
    L_BTIME,
    L_SLOT0,
    L_RAW,
    L_INT,
    L_KEEP,
    L_RT,
    L_FRAC,
    L_TOFF,
    L_DCORR,
    L_COSV,
    L_SINV,
    L_ROTOFF,
    L_RING,
    L_OFFSETS,
    L_ROTC,
    L_ROTS,
    L_VOSIN,
    L_VOCOS,
    L_HORIZ,
    L_TPKX,
    L_TPBX,
    L_TPKY,
    L_TPBY,
    L_FOFF,
    L_FSLOPE,
    L_IMIN,
    L_IMAX,
    L_UNITS,
    L_FUNITS,
    L_AZSCALE,
    L_MINR,
    L_MAXR,
    L_WINLO,
    L_WINHI,
    L_WINFULL,
    L_WINWRAPS,
    L_COUNT
};

#endif
