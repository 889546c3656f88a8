"""LSH banding and affine32 permutations computed without datasketch, equal to datasketch's."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from datasketch.lsh import _optimal_param

from provenance.sketch import _permutations, lsh_params

THRESHOLDS = [k / 100 for k in range(5, 96)]


# Every threshold from 0.05 to 0.95 by 0.01 up to 128 permutations; for 256, 512 and 1024,
# where datasketch's own integration takes most of a minute over that grid, a sample (the whole
# grid was compared once when the port was written, with no difference).
@pytest.mark.parametrize(("num_perm", "step"), [*((n, 1) for n in range(2, 17)), (32, 1), (64, 1),
                                                (128, 1), (256, 3), (512, 6), (1024, 10)])
def test_band_choice_is_datasketch_optimiser(num_perm, step):
    from provenance.sketch import _optimal_param as ours

    pairs = [(t, _optimal_param(t, num_perm, 0.5, 0.5), ours(t, num_perm))
             for t in THRESHOLDS[::step]]
    assert [p for p in pairs if p[1] != p[2]] == []


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.5, 128), (0.25, 64), (0.2, 4), (0.08, 1024)])
def test_lsh_params_is_minhashlsh(threshold, num_perm):
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert lsh_params(threshold, num_perm) == (lsh.b, lsh.r)


@pytest.mark.parametrize(("threshold", "num_perm"), [(0.99, 4), (0.5, 2), (1.5, 64), (-0.1, 64), (0.5, 1)])
def test_lsh_params_refuses_what_minhashlsh_refuses(threshold, num_perm):
    with pytest.raises(ValueError) as theirs:
        MinHashLSH(threshold=threshold, num_perm=num_perm)
    with pytest.raises(ValueError) as ours:
        lsh_params(threshold, num_perm)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(("num_perm", "seed"), [(1, 1), (16, 0), (64, 1), (128, 1), (200, 7), (1024, 12345),
                                                (64, 2**32 - 1)])
def test_permutations_are_datasketch_affine32(num_perm, seed):
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours_a, ours_b = _permutations(num_perm, seed)
    assert ours_a.dtype == ours_b.dtype == np.uint32
    assert np.array_equal(ours_a, a) and np.array_equal(ours_b, b)
