"""Shared helpers for the ccnorm adapters: read a golden CSV file (reference/golden/golden.csv, format in
reference/golden/README.md), write case subsets in the same format, and write result files that
`ccnorm validate` reads (one row per case, in order).

Only the Python standard library is used here (float() parses the shortest round-trip decimals
exactly)."""
import math
import struct

# Format version 2 (the rest of the distribution: H, cov, kl_q, kl columns after mu_relrad) and
# version 1 (the first 16 columns); the adapters use only the first seven fields and write subsets
# with the header of the file they read.
HEADER = ("id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad,"
          "H,H_lo,H_rad,cov,cov_lo,cov_relrad,kl_q,kl,kl_lo,kl_rad")
HEADER_V1 = "id,family,seed,param,dtype,K,z,A,A_lo,A_rad,logC,logC_lo,logC_rad,mu,mu_lo,mu_relrad"
HEADERS = {HEADER: 26, HEADER_V1: 16}


class Case:
    __slots__ = ("line", "fields", "id", "family", "param", "dtype", "K", "x", "header")

    def z(self):
        """The full logits vector (eta rows get their trailing 0)."""
        return list(self.x) + ([0.0] if self.param == "eta" else [])


def read_golden(path):
    """Returns (comment_lines, cases). Raises ValueError naming path:line on a malformed row."""
    comments, cases = [], []
    seen_header = None
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            t = line.strip()
            if not t:
                continue
            if t.startswith("#"):
                comments.append(line)
                continue
            if not seen_header:
                if t not in HEADERS:
                    raise ValueError(f"{path}:{n}: expected the golden CSV header (format version 2 or 1)")
                seen_header = t
                continue
            f16 = t.split(",")
            if len(f16) != HEADERS[seen_header]:
                raise ValueError(f"{path}:{n}: expected {HEADERS[seen_header]} fields, found {len(f16)}")
            c = Case()
            c.line, c.fields, c.header = n, f16, seen_header
            c.id, c.family, c.param, c.dtype = f16[0], f16[1], f16[3], f16[4]
            c.K = int(f16[5])
            c.x = [float(v) for v in f16[6].split(";")] if f16[6] else []
            cases.append(c)
    return comments, cases


def fmt(v):
    """Shortest round-trip decimal of a Python float (repr), with nan/inf spelled as validate reads them."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def float32_representable(v):
    try:
        return struct.unpack("f", struct.pack("f", v))[0] == v
    except OverflowError:
        return False


def write_cases(path, comments, rows):
    """rows: list of (case, new_param, new_x, keep_reference). When the input was transformed
    (keep_reference False) the reference fields are left empty so that `ccnorm validate` computes a
    certified reference for exactly the input the implementation received. The columns of the rest
    of the distribution (format version 2: H, cov, kl_q, kl; the adapters score A, logC and the
    mean only) are always left empty: kl_q follows the input's parameterisation and dtype, which
    the adapters may change. The header is that of the file the cases were read from."""
    header = rows[0][0].header if rows else HEADER
    with open(path, "w") as f:
        for c in comments:
            f.write(c + "\n")
        f.write("# subset written by validate/adapters (cases with empty reference fields get a certified reference in ccnorm validate)\n")
        f.write(header + "\n")
        for case, param, x, keep in rows:
            fl = list(case.fields)
            fl[3] = param
            fl[5] = str(len(x) + (1 if param == "eta" else 0))
            fl[6] = ";".join(fmt(v) for v in x)
            fl[4] = "f32" if all(float32_representable(v) for v in x) else "f64"
            for k in range(7 if not keep else 16, len(fl)):
                fl[k] = ""
            f.write(",".join(fl) + "\n")


def write_results(path, rows):
    """rows: list of lists of floats (one list per case) or None for an error row."""
    with open(path, "w") as f:
        for r in rows:
            f.write("error\n" if r is None else ",".join(fmt(v) for v in r) + "\n")
