# Writes examples/data/consumption.csv and consumption_future.csv (run from examples/data).
# uschange-like quarterly consumption/income data (synthetic, seed 19), two regions
import random, math
random.seed(19)
rows=[]; fut=[]
def quarters(n, y0=2002):
    out=[]
    for i in range(n):
        y=y0+i//4; q=i%4
        out.append(f"{y}-{[1,4,7,10][q]:02d}-01")
    return out
N=64; H=8
ds=quarters(N+H)
for sid,(a,b,c,phi,sd) in {"north":(0.45,0.28,0.9,0.55,0.45),"south":(0.30,0.35,0.6,0.35,0.50)}.items():
    u=0.0
    for t in range(N+H):
        income = 0.7 + 0.9*random.gauss(0,1) + 0.3*math.sin(t/5)
        promo = 1 if random.random()<0.25 else 0
        u = phi*u + random.gauss(0,sd)
        y = a + b*income + c*promo + u
        r=(sid,ds[t],round(y,4),round(income,4),promo)
        (rows if t<N else fut).append(r)
with open("consumption.csv","w") as f:
    f.write("unique_id,ds,y,income,promo\n")
    for r in rows: f.write(",".join(map(str,r))+"\n")
with open("consumption_future.csv","w") as f:
    f.write("unique_id,ds,y,income,promo\n")
    for r in fut: f.write(",".join(map(str,r))+"\n")
